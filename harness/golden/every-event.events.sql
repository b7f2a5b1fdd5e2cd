-- every-event.events.sql: the event log of scenario "every-event", written by make golden: do not edit
BEGIN TRANSACTION;
CREATE TABLE events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    product_id   INTEGER NOT NULL,
    event_type   TEXT NOT NULL,
    data         TEXT NOT NULL,
    occurred_at  TEXT NOT NULL
);
INSERT INTO events VALUES(1,1,'ProductCreated','{"product_id": 1, "name": "Widget Pro", "price": 29.99, "cost_price": 12.0, "supplier_id": 1, "supplier_name": "Acme Corp", "stock": 100, "occurred_at": "2026-11-27T14:32:05.123456+00:00", "description": null}','2026-11-27T14:32:05.123456+00:00');
INSERT INTO events VALUES(2,2,'ProductCreated','{"product_id": 2, "name": "Cr\u00e8me br\u00fbl\u00e9e", "price": 19.9, "cost_price": 7.25, "supplier_id": 2, "supplier_name": "P\u00e2tisserie Dupont", "stock": 12, "occurred_at": "2026-11-27T14:32:06.123457+00:00", "description": "Custard with a \"burnt\" top"}','2026-11-27T14:32:06.123457+00:00');
INSERT INTO events VALUES(3,3,'ProductCreated','{"product_id": 3, "name": "O''Brien''s Tea", "price": 4.5, "cost_price": 0.0, "supplier_id": 3, "supplier_name": "Kettle & Co", "stock": 0, "occurred_at": "2026-11-27T14:32:07.123458+00:00", "description": null}','2026-11-27T14:32:07.123458+00:00');
INSERT INTO events VALUES(4,4,'ProductCreated','{"product_id": 4, "name": "Gadget Plus", "price": 49.99, "cost_price": 22.5, "supplier_id": 1, "supplier_name": "Acme Corp", "stock": 3, "occurred_at": "2026-11-27T14:32:08.123459+00:00", "description": null}','2026-11-27T14:32:08.123459+00:00');
INSERT INTO events VALUES(5,3,'StockUpdated','{"product_id": 3, "new_stock": 40, "occurred_at": "2026-11-27T14:32:09.123460+00:00"}','2026-11-27T14:32:09.123460+00:00');
INSERT INTO events VALUES(6,1,'StockUpdated','{"product_id": 1, "new_stock": 7, "occurred_at": "2026-11-27T14:32:10.123461+00:00"}','2026-11-27T14:32:10.123461+00:00');
INSERT INTO events VALUES(7,3,'StockUpdated','{"product_id": 3, "new_stock": 0, "occurred_at": "2026-11-27T14:32:11.123462+00:00"}','2026-11-27T14:32:11.123462+00:00');
INSERT INTO events VALUES(8,1,'PriceChanged','{"product_id": 1, "new_price": 24.99, "occurred_at": "2026-11-27T14:32:12.123463+00:00"}','2026-11-27T14:32:12.123463+00:00');
INSERT INTO events VALUES(9,2,'PriceChanged','{"product_id": 2, "new_price": 21.5, "occurred_at": "2026-11-27T14:32:13.123464+00:00"}','2026-11-27T14:32:13.123464+00:00');
INSERT INTO events VALUES(10,1,'ProductViewed','{"product_id": 1, "occurred_at": "2026-11-27T14:32:14.123465+00:00"}','2026-11-27T14:32:14.123465+00:00');
INSERT INTO events VALUES(11,1,'ProductViewed','{"product_id": 1, "occurred_at": "2026-11-27T14:32:15.123466+00:00"}','2026-11-27T14:32:15.123466+00:00');
INSERT INTO events VALUES(12,2,'ProductViewed','{"product_id": 2, "occurred_at": "2026-11-27T14:32:16.123467+00:00"}','2026-11-27T14:32:16.123467+00:00');
INSERT INTO events VALUES(13,5,'ProductCreated','{"product_id": 5, "name": "Party \ud83c\udf89 Pack", "price": 12.0, "cost_price": 4.0, "supplier_id": 1, "supplier_name": "Acme Corp", "stock": 5, "occurred_at": "2026-11-27T14:32:33.123484+00:00", "description": null}','2026-11-27T14:32:33.123484+00:00');
INSERT INTO events VALUES(14,5,'ProductViewed','{"product_id": 5, "occurred_at": "2026-11-27T14:32:34.123485+00:00"}','2026-11-27T14:32:34.123485+00:00');
INSERT INTO events VALUES(15,5,'StockUpdated','{"product_id": 5, "new_stock": 12, "occurred_at": "2026-11-27T14:32:35.123486+00:00"}','2026-11-27T14:32:35.123486+00:00');
INSERT INTO events VALUES(16,4,'StockUpdated','{"product_id": 4, "new_stock": 3, "occurred_at": "2026-11-27T14:32:36.123487+00:00"}','2026-11-27T14:32:36.123487+00:00');
INSERT INTO events VALUES(17,1,'StockCorrected','{"product_id": 1, "corrects_event_id": 6, "new_stock": 5, "reason": "counted twice", "occurred_at": "2026-11-27T14:32:37.123488+00:00"}','2026-11-27T14:32:37.123488+00:00');
INSERT INTO events VALUES(18,3,'StockCorrected','{"product_id": 3, "corrects_event_id": 7, "new_stock": 12, "reason": "a box behind the shelf", "occurred_at": "2026-11-27T14:32:38.123489+00:00"}','2026-11-27T14:32:38.123489+00:00');
INSERT INTO events VALUES(19,5,'StockCorrected','{"product_id": 5, "corrects_event_id": 15, "new_stock": 9, "reason": "re-count: \"caf\u00e9\" box", "occurred_at": "2026-11-27T14:32:39.123490+00:00"}','2026-11-27T14:32:39.123490+00:00');
INSERT INTO events VALUES(20,1,'StockCorrected','{"product_id": 1, "corrects_event_id": 6, "new_stock": 6, "reason": "counted again", "occurred_at": "2026-11-27T14:32:40.123491+00:00"}','2026-11-27T14:32:40.123491+00:00');
INSERT INTO events VALUES(21,3,'StockUpdated','{"product_id": 3, "new_stock": 2, "occurred_at": "2026-11-27T14:32:41.123492+00:00"}','2026-11-27T14:32:41.123492+00:00');
CREATE TABLE product_registry (
    id INTEGER PRIMARY KEY AUTOINCREMENT
);
INSERT INTO product_registry VALUES(1);
INSERT INTO product_registry VALUES(2);
INSERT INTO product_registry VALUES(3);
INSERT INTO product_registry VALUES(4);
INSERT INTO product_registry VALUES(5);
COMMIT;
