-- Refused webhook deliveries per organization by time: how many arrived in the last minute
-- (each organization may store only so many) and which are past their keeping time.
CREATE INDEX webhook_deliveries_org_rejected ON webhook_deliveries(org_id, received_at)
    WHERE state = 'rejected';
CREATE INDEX webhook_deliveries_rejected ON webhook_deliveries(received_at)
    WHERE state = 'rejected';
