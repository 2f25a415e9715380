// expect: post=alter articles=alter
// expect-renames: post->articles
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.rename_table(Table::rename().table(Post::Table, Alias::new("articles")).to_owned()).await
    }
}
#[derive(DeriveIden)]
enum Post { Table }
