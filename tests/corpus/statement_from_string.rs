// expect: users=data
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_raw(Statement::from_string(manager.get_database_backend(), "UPDATE users SET active = TRUE")).await?;
        Ok(())
    }
}
