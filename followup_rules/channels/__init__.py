"""Built-in channel plugins: every module here is registered with the plugin manager at start-up,
exactly as an installed plugin would be."""
