// expect: notes=create
// A builder held in a variable and completed by later calls.
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut table = Table::create();
        table.table(Alias::new("notes"));
        table.col(pk_auto("id"));
        manager.create_table(table).await
    }
}
