// expect: logs=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.truncate_table(Table::truncate().table(Logs::Table).to_owned()).await
    }
}
#[derive(DeriveIden)]
enum Logs { Table }
