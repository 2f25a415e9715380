// expect: post=index
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(Index::create().name("idx-post-title").table(Post::Table).col(Post::Title).to_owned())
            .await
    }
}
#[derive(DeriveIden)]
enum Post { Table, Title }
