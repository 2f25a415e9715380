// expect: posts=create
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    /// Replaces the old `DROP TABLE users` approach.
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // manager.drop_table(Table::drop().table("users").to_owned()).await?;
        /* Table::create().table("ghosts") */
        manager.create_table(Table::create().table("posts").col(pk_auto("id")).to_owned()).await
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("posts").to_owned()).await
    }
}
