// expect: app.audit entries=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared("INSERT INTO \"app\".\"audit entries\" (note) VALUES ('x')").await?;
        Ok(())
    }
}
