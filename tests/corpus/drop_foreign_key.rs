// expect: comment=alter
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_foreign_key(ForeignKey::drop().name("fk-comment-post").table(Comment::Table).to_owned()).await
    }
}
#[derive(DeriveIden)]
enum Comment { Table }
