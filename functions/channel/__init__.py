"""The incident's own Slack channel (runbook step 2, policy D11): a small Web API client
(`slack_api`) and the idempotent operations the pipeline calls (`incident_channel`)."""
