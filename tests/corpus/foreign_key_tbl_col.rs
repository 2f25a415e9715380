// expect: orders=alter customers=referenced
use sea_orm_migration::prelude::*;
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let fk = ForeignKey::create()
            .name("fk-orders-customer")
            .from_tbl(Alias::new("orders"))
            .from_col(Alias::new("customer_id"))
            .to_tbl(Alias::new("customers"))
            .to_col(Alias::new("id"))
            .to_owned();
        manager.create_foreign_key(fk).await
    }
}
