"""The pytest plugin: rules and their fixture files as test items (`rule-kit test`)."""
