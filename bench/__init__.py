"""The benchmark harness: our server side by side with nginx and a naive StaticFiles app."""
