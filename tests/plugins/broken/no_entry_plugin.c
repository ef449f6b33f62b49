/*
 * no_entry_plugin.c - a shared object that forgot HERALD_PLUGIN_EXPORT: it exports a
 * function, but not herald_plugin_register. The loader must say so.
 */
__attribute__((visibility("default"))) int herald_not_a_plugin(void);

int herald_not_a_plugin(void)
{
    return 42;
}
