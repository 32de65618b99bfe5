// Herald console
