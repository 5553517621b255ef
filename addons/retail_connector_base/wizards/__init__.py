from . import retail_event_dry_run
