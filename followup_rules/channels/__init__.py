"""Built-in channel plugins, registered by name (`plugin.manager.BUILTIN_PLUGINS`) exactly as an
installed plugin would be."""
