// expect: posts=create
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_table(Table::create().table("posts").if_not_exists().col(pk_auto("id")).col(string("title")).to_owned()).await
    }
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table("posts").to_owned()).await
    }
}
