"""On-call from outside: iCalendar feeds (PagerDuty, Google Calendar, Opsgenie) read,
expanded and kept in the local database so pages find the person offline."""
