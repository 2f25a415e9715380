// expect: accounts=data audit_log=data tokens=data
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(r#"
            INSERT INTO audit_log (message) VALUES ('backfill');
            UPDATE accounts SET plan = 'free' WHERE plan IS NULL;
            DELETE FROM tokens WHERE expires_at < now();
        "#).await?;
        Ok(())
    }
}
