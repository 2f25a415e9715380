// expect-opaque
// A table named by its entity type is read through the models, not from here.
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(bakery::Entity).to_owned()).await
    }
}
