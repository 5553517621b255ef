from . import retail_settlement_import
