"""The plugin host: finds plugins through entry points, holds their hooks,
and knows which commune has enabled which plugin."""
