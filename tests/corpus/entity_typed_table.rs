// expect-opaque
// A table named by its entity type: without the models (as here) it cannot be known.
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(bakery::Entity).to_owned()).await
    }
}
