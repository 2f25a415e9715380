// expect: bakery_chef=create
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(Table::create().table(BakeryChef::Table).col(pk_auto(BakeryChef::Id)).to_owned()).await
    }
}

#[derive(Iden, DeriveIden, Debug)]
enum BakeryChef {
    Table,
    Id,
}
