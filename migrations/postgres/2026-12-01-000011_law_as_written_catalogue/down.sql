-- The new instruments go; the corrections stay (the earlier values contradict the primary texts).
DELETE FROM legal_bases WHERE code IN ('coe_budapest_30', 'eu_2023_977', 'coe_224_art6', 'coe_224_art10');
