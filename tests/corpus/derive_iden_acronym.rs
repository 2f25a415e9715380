// expect: api_key=create
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(Table::create().table(APIKey::Table).col(pk_auto(APIKey::Id)).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum APIKey {
    Table,
    Id,
}
