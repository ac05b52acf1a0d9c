"""Source tables replicated by DMS, and their primary keys (see docs/contracts.md)."""

from __future__ import annotations

DMS_SCHEMA = "shop"
DMS_TABLE_KEYS: dict[str, tuple[str, ...]] = {
    "customers": ("customer_id",),
    "campaigns": ("campaign_id",),
    "orders": ("order_id",),
    "order_lines": ("order_id", "line_no"),
    "payments": ("payment_id",),
}
# Columns that DMS adds in front of each table's own columns.
DMS_OP_COLUMN = "Op"
DMS_COMMIT_TS_COLUMN = "dms_commit_ts"
# Columns that cdc_apply adds to each current-state table.
CHANGE_SEQ_COLUMN = "dms_change_seq"
DELETED_COLUMN = "is_deleted"
