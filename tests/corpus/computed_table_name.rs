// expect-opaque
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let name = std::env::var("TABLE").unwrap_or_default();
        manager.create_table(Table::create().table(Alias::new(name)).col(pk_auto("id")).to_owned()).await
    }
}
