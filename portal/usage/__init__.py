"""Usage data (利用データ): monthly figures per contract, reports, charts and the overview."""
