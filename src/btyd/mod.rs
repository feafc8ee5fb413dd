//! Buy-till-you-die models.
