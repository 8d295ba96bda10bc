import { useCallback, useEffect, useState } from 'react';
import type { Output } from '../../../preload/contract';
import { call } from '../call';

export type ProductItem = Output<'products.list'>[number];

/** The products this station knows (`products.list`), reloaded after changes. */
export function useProducts(): { products: ProductItem[]; loading: boolean; reload: () => Promise<void> } {
  const [products, setProducts] = useState<ProductItem[]>([]);
  const [loading, setLoading] = useState(true);
  const reload = useCallback(async () => {
    setLoading(true);
    const list = await call('products.list');
    if (list) setProducts(list);
    setLoading(false);
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { products, loading, reload };
}
