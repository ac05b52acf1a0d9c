"""Power BI project (PBIP) over the Redshift star schema and the Linux dashboard with the same measures."""
