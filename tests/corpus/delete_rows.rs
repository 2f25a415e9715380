// expect: sessions=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.exec_stmt(Query::delete().from_table("sessions").to_owned()).await
    }
}
