"""What every process shares about Slack: the one Web API client factory and the pure Block Kit builders."""
