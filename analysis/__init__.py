"""Pure statistics for the survey's reports: numbers in, numbers out."""
