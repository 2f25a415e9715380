// expect: posts=create
// A char literal holding a double quote is not the start of a string.
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let quote = '"';
        let _ = quote;
        manager.create_table(Table::create().table("posts").col(pk_auto("id")).to_owned()).await
    }
}
