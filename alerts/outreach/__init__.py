"""SMS backends: where outreach messages go (file by default, console, Twilio)."""
