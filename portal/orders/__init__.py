"""School orders: the public application, licences and prices, distributors' orders."""
