// expect-opaque
// The enum lives in another file and may rename its table: not guessed.
use super::m20220101_000001_create_post::Post;
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Post::Table).to_owned()).await
    }
}
