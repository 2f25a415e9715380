// expect: orders=alter
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(r#"ALTER TABLE `orders` ADD COLUMN `total` INT NOT NULL DEFAULT 0"#).await?;
        Ok(())
    }
}
