UPDATE legal_bases SET extensions = '[]' WHERE code = 'coe_budapest_29';
