// expect: shop.order=create shop.customer=referenced
// A table of a PostgreSQL schema, as makemigrations writes one (`schema_name`).
use sea_orm_migration::{prelude::*, schema::*};
pub struct Migration;
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(("shop", "order"))
                    .col(pk_auto("id"))
                    .col(integer("customer_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk-order-customer")
                            .from(("shop", "order"), "customer_id")
                            .to(("shop", "customer"), "id"),
                    )
                    .to_owned(),
            )
            .await
    }
}
