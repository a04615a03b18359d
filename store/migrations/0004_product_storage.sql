-- A product's storage condition and shelf life, which the pack label
-- prints as the storage line and the use-by date. Products imported
-- before this migration keep the defaults: storage NULL reads as chilled,
-- and a shelf life of 0 days as the default of the storage condition.
--
-- rejournal: products

ALTER TABLE products ADD COLUMN storage TEXT CHECK (storage IS NULL OR storage IN ('chilled', 'frozen'));
ALTER TABLE products ADD COLUMN shelf_life_days INTEGER NOT NULL DEFAULT 0 CHECK (shelf_life_days BETWEEN 0 AND 1095);
