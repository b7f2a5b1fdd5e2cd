-- main.events.sql: the event log of scenario "main", written by make golden: do not edit
BEGIN TRANSACTION;
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id   INTEGER NOT NULL,
    event_type   TEXT NOT NULL,
    data         TEXT NOT NULL,
    occurred_at  TEXT NOT NULL
);
INSERT INTO events VALUES(1,1,'ProductCreated','{"product_id": 1, "name": "Widget Pro", "price": 29.99, "cost_price": 12.0, "supplier_id": 1, "supplier_name": "Acme Corp", "stock": 100, "occurred_at": "2026-11-27T14:32:05.123456+00:00", "description": null}','2026-11-27T14:32:05.123456+00:00');
INSERT INTO events VALUES(2,2,'ProductCreated','{"product_id": 2, "name": "Gadget Plus", "price": 49.99, "cost_price": 22.5, "supplier_id": 1, "supplier_name": "Acme Corp", "stock": 0, "occurred_at": "2026-11-27T14:32:06.123457+00:00", "description": null}','2026-11-27T14:32:06.123457+00:00');
INSERT INTO events VALUES(3,2,'StockUpdated','{"product_id": 2, "new_stock": 50, "occurred_at": "2026-11-27T14:32:07.123458+00:00"}','2026-11-27T14:32:07.123458+00:00');
INSERT INTO events VALUES(4,2,'PriceChanged','{"product_id": 2, "new_price": 44.99, "occurred_at": "2026-11-27T14:32:08.123459+00:00"}','2026-11-27T14:32:08.123459+00:00');
CREATE TABLE product_registry (
    id INTEGER PRIMARY KEY AUTOINCREMENT
);
INSERT INTO product_registry VALUES(1);
INSERT INTO product_registry VALUES(2);
COMMIT;
