"""The daily patrol plans: every required visit given to an officer on shift in walking order,
re-planned for drop-outs and routing's case tasks, missed visits made up."""
