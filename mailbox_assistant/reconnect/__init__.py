"""reconnect"""
