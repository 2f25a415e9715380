// expect: public.users=index
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(r#"CREATE UNIQUE INDEX IF NOT EXISTS "idx_users_email" ON "public"."users" ("email")"#)
            .await?;
        Ok(())
    }
}
