"""The catalog (掲載書籍): public list, title requests, and the operators' management."""
