// expect: post=drop
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Post::Table).if_exists().to_owned()).await
    }
}
#[derive(DeriveIden)]
enum Post { Table }
