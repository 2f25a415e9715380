// expect: real=create
// Block comments nest in Rust: the code inside the outer one never runs.
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        /* the old way: /* kept for reference */
        manager.drop_table(Table::drop().table("ghost").to_owned()).await?;
        */
        manager.create_table(Table::create().table("real").col(pk_auto("id")).to_owned()).await
    }
}
