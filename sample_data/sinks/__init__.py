"""Writers that put generated records where the pipeline reads them."""
