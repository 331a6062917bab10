"""The rule engine: the event model, date math and the rule-type executors."""
