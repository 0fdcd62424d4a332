"""The function names of torch 2.13's TorchScript-exporter symbolic modules (data, generated from torch's
namespaces): each name resolves to a stand-in that raises NotImplementedError when called."""

NAMES = {
    "symbolic_helper": (
        "_apply_params _arange_cast_helper _arange_helper _argmin_argmax_helper _as_list_type _avgpool_helper "
        "_batchnorm_helper _block_list_in_opset _embedding_bag_helper _flatten_helper _generate_wrapped_number "
        "_get_const _get_dim_for_cross _get_interpolate_attributes _get_tensor_dim_size _get_tensor_rank "
        "_get_tensor_sizes _handle_reduce_dim_none _if_scalar_type_as _index_fill_reshape_helper "
        "_interpolate_get_scales _interpolate_get_scales_and_mode _interpolate_get_scales_if_available "
        "_interpolate_helper _interpolate_size_to_scales _interpolate_warning _is_bool _is_constant _is_fp "
        "_is_list _is_none _is_onnx_constant _is_packed_list _is_scalar_list _is_split_static _is_tensor "
        "_is_tensor_list _is_tuple_construct _is_value _linalg_vector_norm_helper _lt_helper _max_helper "
        "_maybe_cast_reduce_op_input _maybe_cast_to_type _maybe_get_const _maybe_get_scalar _min_helper _node_get "
        "_numel_helper _onnx_opset_unsupported _onnx_opset_unsupported_detailed _onnx_unsupported "
        "_op_with_optional_float_cast _optional_input_placeholder_tensor _overload_by_arg_count _parse_arg "
        "_reduce_op_symbolic_helper _reduce_with_dtype_helper _reducesum_helper "
        "_repeat_interleave_single_value_repeat_helper _repeat_interleave_split_helper _reshape_helper _scalar "
        "_scatter_helper _select_helper _size_helper _slice_helper _sort_helper _squeeze_helper _topk_helper "
        "_try_get_scalar_type _type_promote_from_values _unbind_helper _unimplemented _unpack_list "
        "_unpack_quantized_tensor _unpack_tuple _unsqueeze_helper _var_mean_helper args_have_same_dtype "
        "check_training_mode dequantize_helper is_complex_value quantize_helper requantize_bias_helper"
    ),
    "symbolic_opset7": ("max min"),
    "symbolic_opset8": (
        "addmm bmm empty empty_like flatten full full_like gt lt matmul mm ones ones_like prelu repeat zeros zeros_like"
    ),
    "symbolic_opset9": (
        "_prepare_onnx_paddings _reshape_from_tensor _slice _var_mean abs acos adaptive_avg_pool1d "
        "adaptive_avg_pool2d adaptive_avg_pool3d adaptive_max_pool1d adaptive_max_pool2d adaptive_max_pool3d add "
        "addcmul addmm alias amax amin aminmax arange argmax argmin as_strided as_tensor asin atan atan2 "
        "avg_pool1d avg_pool2d avg_pool3d baddbmm batch_norm bernoulli bitwise_not bitwise_or bmm "
        "broadcast_tensors broadcast_to bucketize cat cdist ceil clamp clamp_max clamp_min clone constant_pad_nd "
        "contiguous conv1d conv2d conv3d conv_tbc conv_transpose1d conv_transpose2d conv_transpose3d "
        "convert_element_type convolution cos cosine_similarity cross cumsum detach dim div dot dropout elu "
        "embedding embedding_bag empty empty_like eq erf exp expand expand_as eye fill flatten floor floor_divide "
        "floordiv frobenius_norm full full_like gather ge gelu get_pool_ceil_padding glu group_norm gru gt "
        "hann_window hardshrink hardsigmoid hardswish hardtanh index index_add index_copy index_fill index_put "
        "index_select instance_norm is_floating_point is_pinned isnan item kl_div layer_norm le leaky_relu lerp "
        "lift linalg_cross linalg_matrix_norm linalg_norm linalg_vector_norm linear linspace log log10 log1p log2 "
        "log_sigmoid log_softmax logical_and logical_not logical_or logical_xor logit logsumexp lstm lstm_cell lt "
        "masked_fill masked_fill_ matmul max max_pool1d max_pool1d_with_indices max_pool2d "
        "max_pool2d_with_indices max_pool3d max_pool3d_with_indices maximum meshgrid min minimum mish mm movedim "
        "mse_loss mul multinomial mv narrow native_layer_norm ne neg new_empty new_full new_ones new_zeros "
        "nonzero nonzero_numpy noop_complex_operators norm numel numpy_T one_hot ones ones_like onnx_placeholder "
        "pad pairwise_distance permute pixel_shuffle pixel_unshuffle pow prelu prim_constant prim_constant_chunk "
        "prim_constant_split prim_data prim_device prim_dtype prim_if prim_layout prim_list_construct "
        "prim_list_unpack prim_loop prim_max prim_min prim_shape prim_tolist prim_tuple_construct prim_type "
        "prim_unchecked_cast prim_uninitialized rand rand_like randint randint_like randn randn_like reciprocal "
        "reflection_pad relu relu6 remainder repeat repeat_interleave replication_pad reshape reshape_as rnn_relu "
        "rnn_tanh roll rrelu rsqrt rsub scalar_tensor scatter scatter_add select selu sigmoid sign silu sin size "
        "slice softmax softplus softshrink sort split split_with_sizes sqrt square squeeze stack std std_mean sub "
        "t take tan tanh tanhshrink tensor threshold to topk transpose true_divide type_as unbind unfold "
        "unsafe_chunk unsafe_split unsafe_split_with_sizes unsqueeze unsupported_complex_operators unused "
        "upsample_bilinear2d upsample_linear1d upsample_nearest1d upsample_nearest2d upsample_nearest3d "
        "upsample_trilinear3d var var_mean view view_as where wrap_logical_op_with_cast_to "
        "wrap_logical_op_with_negation zero zeros zeros_like"
    ),
    "symbolic_opset10": (
        "_slice dequantize div embedding_bag fake_quantize_per_tensor_affine flip fmod isfinite isinf nan_to_num "
        "quantize_per_tensor quantized_add quantized_add_relu quantized_cat quantized_conv1d "
        "quantized_conv1d_relu quantized_conv2d quantized_conv2d_relu quantized_conv3d quantized_conv3d_relu "
        "quantized_conv_transpose1d quantized_conv_transpose2d quantized_conv_transpose3d quantized_group_norm "
        "quantized_hardswish quantized_instance_norm quantized_layer_norm quantized_leaky_relu quantized_linear "
        "quantized_linear_relu quantized_mul quantized_sigmoid slice sort topk"
    ),
    "symbolic_opset11": (
        "Delete add append arange argsort atleast_1d atleast_2d atleast_3d cat chunk clamp clamp_max clamp_min "
        "constant_pad_nd cumsum embedding_bag embedding_renorm flatten gather hardtanh hstack im2col index "
        "index_copy index_fill index_put insert linalg_det linalg_vector_norm logdet masked_scatter masked_select "
        "mm narrow normal pad pixel_shuffle pop prim_constant_chunk reflection_pad relu6 remainder "
        "replication_pad round scatter select size sort split split_with_sizes squeeze stack topk unbind "
        "unique_dim unsqueeze vstack"
    ),
    "symbolic_opset12": (
        "argmax argmin binary_cross_entropy_with_logits celu cross_entropy_loss dropout einsum ge le "
        "native_dropout nll_loss nll_loss2d nll_loss_nd outer pow tensordot unfold"
    ),
    "symbolic_opset13": (
        "diagonal fake_quantize_per_channel_affine fake_quantize_per_tensor_affine frobenius_norm log_softmax "
        "nonzero_numpy quantized_conv1d quantized_conv1d_relu quantized_conv2d quantized_conv2d_relu "
        "quantized_conv3d quantized_conv3d_relu quantized_conv_transpose1d quantized_conv_transpose2d "
        "quantized_conv_transpose3d quantized_linear quantized_linear_relu repeat_interleave softmax split "
        "split_with_sizes tensor_split tile unbind unflatten unsafe_chunk unsafe_split unsafe_split_with_sizes "
        "where"
    ),
    "symbolic_opset14": ("batch_norm hardswish quantized_hardswish reshape scaled_dot_product_attention tril triu"),
    "symbolic_opset15": ("aten__is_ aten__isnot_ bernoulli prim_unchecked_cast"),
    "symbolic_opset16": ("grid_sampler scatter_add scatter_reduce"),
    "symbolic_opset17": ("layer_norm quantized_layer_norm stft"),
    "symbolic_opset18": ("col2im"),
    "symbolic_opset19": "",
    "symbolic_opset20": ("_affine_grid_generator _grid_sampler gelu"),
}
