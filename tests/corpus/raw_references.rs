// expect: invoices=create customers=referenced
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.get_connection().execute_unprepared(
            "CREATE TABLE invoices (id INT PRIMARY KEY, customer_id INT REFERENCES customers (id))",
        ).await?;
        Ok(())
    }
}
